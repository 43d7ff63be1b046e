//! The shape of the aggregation tree over a number of segments: a binary tree whose inner
//! nodes always verify two children, as the one inner circuit does.

use std::ops::Range;

/// The groups of each level above the leaves: level `i` pairs the nodes of level `i − 1`
/// (level 0 is one leaf per segment) two by two, until one node is left. A group of one
/// (the last node of an odd level) is no node: that node goes up a level unchanged. One
/// segment gives no inner level: its leaf is the top node.
pub fn inner_levels(segments: usize) -> Vec<Vec<Range<usize>>> {
    let mut levels = Vec::new();
    let mut width = segments;
    while width > 1 {
        let groups: Vec<Range<usize>> =
            (0..width).step_by(2).map(|start| start..(start + 2).min(width)).collect();
        width = groups.len();
        levels.push(groups);
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_pair_consecutive_nodes_and_carry_an_odd_one_up() {
        assert!(inner_levels(1).is_empty());
        assert_eq!(inner_levels(2), vec![vec![0..2]]);
        assert_eq!(inner_levels(5), vec![vec![0..2, 2..4, 4..5], vec![0..2, 2..3], vec![0..2]]);
    }
}
