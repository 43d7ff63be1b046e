//! The shape of the aggregation tree over a number of segments.

use std::ops::Range;

/// The groups of each level above the leaves: level `i` groups the nodes of level `i − 1`
/// (level 0 is one leaf per segment) into consecutive runs of at most `arity`, until one
/// node is left. One segment gives no inner level: its leaf is the top node.
pub fn inner_levels(segments: usize, arity: usize) -> Vec<Vec<Range<usize>>> {
    let arity = arity.max(2);
    let mut levels = Vec::new();
    let mut width = segments;
    while width > 1 {
        let groups: Vec<Range<usize>> =
            (0..width).step_by(arity).map(|start| start..(start + arity).min(width)).collect();
        width = groups.len();
        levels.push(groups);
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_group_consecutive_nodes() {
        assert!(inner_levels(1, 2).is_empty());
        assert_eq!(inner_levels(2, 2), vec![vec![0..2]]);
        assert_eq!(inner_levels(5, 2), vec![vec![0..2, 2..4, 4..5], vec![0..2, 2..3], vec![0..2]]);
        assert_eq!(inner_levels(5, 4), vec![vec![0..4, 4..5], vec![0..2]]);
    }
}
