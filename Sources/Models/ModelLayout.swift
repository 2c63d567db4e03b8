import TensorCore

/// A model's parts as its card shows them, described by the model itself: a tree of components (with their shapes)
/// and every weight under the name its files give it. The card (Interpretability) adds the statistics.
public struct ModelLayout {
    /// One component: a leaf with a shape, or a group of children; `tied` marks a weight shared with another
    /// (counted once, where it is stored).
    public struct Node {
        public var name: String
        public var shape: [Int]?
        public var tied: Bool?
        public var children: [Node]?
        /// Parameters of the leaf (0 when tied) or of the whole group.
        public var parameters: Int {
            if let children { return children.reduce(0) { $0 + $1.parameters } }
            return tied == true ? 0 : (shape ?? []).reduce(1, *)
        }

        public static func leaf(_ name: String, _ shape: [Int]) -> Node { Node(name: name, shape: shape) }
        public static func group(_ name: String, _ children: [Node]) -> Node { Node(name: name, children: children) }
        public static func tied(_ name: String, _ shape: [Int]) -> Node { Node(name: name, shape: shape, tied: true) }
    }

    /// One stored weight: its file name, a label for people, its layer, its kind (what the card groups by).
    public struct Entry {
        public var name: String
        public var label: String
        public var layer: Int?
        public var kind: String
        public var weight: Weight

        public init(_ name: String, _ label: String, layer: Int?, kind: String, _ weight: Weight) {
            self.name = name; self.label = label; self.layer = layer; self.kind = kind; self.weight = weight
        }
    }

    public var tree: Node
    public var weights: [Entry]

    public init(tree: Node, weights: [Entry]) { self.tree = tree; self.weights = weights }
}
