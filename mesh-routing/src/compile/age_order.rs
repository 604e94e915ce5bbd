//! Istio's age order: creation time, then name, then namespace, oldest first (routing.md V3,
//! `configCompareByCreationTime`). Sorting 100,000 objects by comparing their names reads two
//! names from main memory at every comparison; a cached key of the creation time and the
//! name's first 16 bytes settles almost every comparison, and the names are read only on a tie.

/// Sorts `items` into age order, keeping input order among equal ages as a stable sort does.
pub(crate) fn sort_by_age<T>(items: &mut Vec<T>, age: impl for<'t> Fn(&'t T) -> (Option<i128>, &'t str, &'t str)) {
    let mut keys: Vec<(Option<i128>, u128, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (created, name, _) = age(item);
            (created, name_prefix(name), i)
        })
        .collect();
    keys.sort_unstable_by(|a, b| {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| age(&items[a.2]).cmp(&age(&items[b.2]))).then(a.2.cmp(&b.2))
    });
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    // Every slot is taken exactly once: `keys` holds each input position once.
    *items = keys.iter().filter_map(|&(_, _, before)| slots[before].take()).collect();
}

/// The first 16 bytes of `name`, zero-padded, as a number that orders as the bytes do. When
/// two prefixes differ, the names differ the same way: a shorter name padded with zeros sorts
/// before any longer name it begins, as it does as a string.
fn name_prefix(name: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = name.len().min(16);
    bytes[..n].copy_from_slice(&name.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Item = (Option<i128>, String, String, usize);

    fn age(item: &Item) -> (Option<i128>, &str, &str) {
        (item.0, &item.1, &item.2)
    }

    #[test]
    fn orders_as_a_stable_sort_by_the_full_age_does() {
        let names = [
            "reviews",
            "reviews-v2",
            "reviews-0123456789abcdef-a",
            "reviews-0123456789abcdef-b",
            "reviews-0123456789abcdef",
            "a",
            "",
            "ratings",
            "reviews-0123456789abcdeg",
            "reviews\0",
        ];
        let mut items: Vec<Item> = Vec::new();
        for (i, name) in names.iter().enumerate() {
            for (j, namespace) in ["b", "a", "b"].iter().enumerate() {
                let created = [None, Some(5), Some(-3)][(i + j) % 3];
                items.push((created, (*name).to_owned(), (*namespace).to_owned(), items.len()));
            }
        }
        let mut expected = items.clone();
        expected.sort_by(|a, b| age(a).cmp(&age(b)));
        sort_by_age(&mut items, age);
        assert_eq!(items, expected);
    }

    #[test]
    fn a_name_sorts_before_the_longer_names_it_begins() {
        assert!(name_prefix("abc") < name_prefix("abcd"));
        // A tie, which the full comparison settles.
        assert_eq!(name_prefix("abc"), name_prefix("abc\0"));
        assert!(name_prefix("b") > name_prefix("abcdefghijklmnopqrstuvwxyz"));
        assert_eq!(name_prefix("0123456789abcdefX"), name_prefix("0123456789abcdefY"));
    }
}
