/// The one public error of TensorCore: a shape or argument that an operation cannot take.
public struct TensorError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

@inline(__always)
func shapeCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    // Shape errors are programming errors inside the engine; callers validate user input first.
    if !condition() { fatalError("TensorCore: \(message())") }
}
