//! `install.istio.io`: the IstioOperator that describes an installation.
