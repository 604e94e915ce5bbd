//! Builds a string that a regex of the common shapes matches (`/api/v[0-9]+/.*`,
//! `(foo|bar)`, `\d{3}`): the first alternative of each choice, each repeat as few times as
//! allowed, the first member of each class. Callers check the result against the compiled
//! regex, since lookarounds, negated classes and the like are beyond this walk.

/// A candidate string for `pattern`, or `None` when the pattern is malformed.
pub(crate) fn sample(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut walk = Walk { chars: &chars, at: 0 };
    let out = walk.alternation()?;
    (walk.at == chars.len()).then_some(out)
}

struct Walk<'a> {
    chars: &'a [char],
    at: usize,
}

impl Walk<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    /// `a|b|c`: keeps the first branch, walks the rest to stay in step.
    fn alternation(&mut self) -> Option<String> {
        let first = self.sequence()?;
        while self.peek() == Some('|') {
            self.at += 1;
            self.sequence()?;
        }
        Some(first)
    }

    fn sequence(&mut self) -> Option<String> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let times = self.quantifier()?;
            for _ in 0..times {
                out.push_str(&atom);
            }
        }
        Some(out)
    }

    fn atom(&mut self) -> Option<String> {
        match self.next()? {
            '(' => {
                if self.peek() == Some('?') {
                    // Flags alone (`(?i)`) add nothing; non-capturing and named groups open
                    // their body after ':' or '>'.
                    loop {
                        match self.next()? {
                            ')' => return Some(String::new()),
                            ':' | '>' => break,
                            _ => {}
                        }
                    }
                }
                let inner = self.alternation()?;
                (self.next()? == ')').then_some(inner)
            }
            '[' => self.class().map(String::from),
            '\\' => self.escape().map(String::from),
            '.' => Some("a".to_owned()),
            '^' | '$' => Some(String::new()),
            c => Some(c.to_string()),
        }
    }

    fn escape(&mut self) -> Option<char> {
        Some(match self.next()? {
            'd' => '0',
            'w' => 'a',
            's' => ' ',
            'D' | 'W' | 'S' => 'a',
            'n' => '\n',
            't' => '\t',
            c => c,
        })
    }

    /// `[...]`: the first member; a negated class gives a letter unlikely to be excluded.
    fn class(&mut self) -> Option<char> {
        let negated = self.peek() == Some('^');
        if negated {
            self.at += 1;
        }
        let mut first = None;
        let mut start = true;
        loop {
            let c = self.next()?;
            if c == ']' && !start {
                break;
            }
            start = false;
            let member = if c == '\\' { self.escape()? } else { c };
            first.get_or_insert(member);
        }
        if negated { Some(if first == Some('x') { 'y' } else { 'x' }) } else { first }
    }

    /// How many times to repeat the atom just read: the least allowed.
    fn quantifier(&mut self) -> Option<usize> {
        let times = match self.peek() {
            Some('*' | '?') => {
                self.at += 1;
                0
            }
            Some('+') => {
                self.at += 1;
                1
            }
            Some('{') => {
                let close = self.chars[self.at..].iter().position(|&c| c == '}')? + self.at;
                let body: String = self.chars[self.at + 1..close].iter().collect();
                let low = body.split(',').next()?.trim();
                let n = low.parse().ok()?;
                self.at = close + 1;
                n
            }
            _ => return Some(1),
        };
        if matches!(self.peek(), Some('?' | '+')) {
            self.at += 1;
        }
        Some(times)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str) -> String {
        let s = sample(pattern).expect("a sample");
        let re = regex::Regex::new(&format!("^(?:{pattern})$")).unwrap();
        assert!(re.is_match(&s), "{s:?} does not match {pattern:?}");
        s
    }

    #[test]
    fn samples_match_common_path_patterns() {
        assert_eq!(check("/api/v[0-9]+/.*"), "/api/v0/");
        assert_eq!(check("/(foo|bar)/\\d{3}"), "/foo/000");
        assert_eq!(check("(?i)/Login"), "/Login");
        assert_eq!(check("/users/[^/]+"), "/users/x");
        assert_eq!(check("^/a.b?$"), "/aa");
    }

    #[test]
    fn malformed_patterns_give_no_sample() {
        assert_eq!(sample("(abc"), None);
        assert_eq!(sample("abc)"), None);
    }
}
