//! Overlay files (and flags) merged over the profiles, as `-f a.yaml -f b.yaml --set ...`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesh_render::{DumpFormat, ListMerge, Overlays};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut overlays = Overlays::new();
    overlays.list_merge(if mode & 1 == 0 { ListMerge::Replace } else { ListMerge::ByName });
    // Overlay files are separated by a line `%%`; lines `--set X` in a part are flags.
    for (i, part) in text.split("\n%%\n").take(4).enumerate() {
        let mut yaml = String::new();
        for line in part.lines() {
            match line.strip_prefix("--set ") {
                Some(flag) => {
                    let _ = overlays.set(flag);
                }
                None => {
                    yaml.push_str(line);
                    yaml.push('\n');
                }
            }
        }
        let _ = overlays.yaml(&format!("overlay-{i}.yaml"), &yaml);
    }
    let _ = overlays.user_config();
    let _ = overlays.untranslated();
    let format = match mode >> 1 & 3 {
        0 => DumpFormat::Yaml,
        1 => DumpFormat::Json,
        _ => DumpFormat::Flags,
    };
    let _ = overlays.dump(None, format);
    if let Ok(merged) = overlays.merge() {
        let _ = merged.validate();
        if mode & 0x80 != 0 {
            let _ = mesh_render::render(&merged);
        }
    }
});
