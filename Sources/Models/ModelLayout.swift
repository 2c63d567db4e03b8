import TensorCore

/// A model's parts as its card shows them, described by the model itself: a tree of components (with their shapes)
/// and every weight under the name its files give it. The card (Interpretability) adds the statistics.
package struct ModelLayout {
    /// One component: a leaf with a shape, or a group of children; `tied` marks a weight shared with another
    /// (counted once, where it is stored).
    package struct Node {
        package var name: String
        package var shape: [Int]?
        package var tied: Bool?
        package var children: [Node]?
        /// Parameters of the leaf (0 when tied) or of the whole group.
        package var parameters: Int {
            if let children { return children.reduce(0) { $0 + $1.parameters } }
            return tied == true ? 0 : (shape ?? []).reduce(1, *)
        }

        package static func leaf(_ name: String, _ shape: [Int]) -> Node { Node(name: name, shape: shape) }
        package static func group(_ name: String, _ children: [Node]) -> Node { Node(name: name, children: children) }
        package static func tied(_ name: String, _ shape: [Int]) -> Node { Node(name: name, shape: shape, tied: true) }
    }

    /// One stored weight: its file name, a label for people, its layer, its kind (what the card groups by).
    package struct Entry {
        package var name: String
        package var label: String
        package var layer: Int?
        package var kind: String
        package var weight: Weight

        package init(_ name: String, _ label: String, layer: Int?, kind: String, _ weight: Weight) {
            self.name = name; self.label = label; self.layer = layer; self.kind = kind; self.weight = weight
        }
    }

    package var tree: Node
    package var weights: [Entry]

    package init(tree: Node, weights: [Entry]) { self.tree = tree; self.weights = weights }
}
