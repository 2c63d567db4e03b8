// TensorCore has no public error type: a shape that does not fit an operation is a programming error inside the
// engine (callers validate user input, e.g. model files and configs, before building tensors), so it stops with a
// message naming the operation and the shapes.
@inline(__always)
package func shapeCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    // Shape errors are programming errors inside the engine; callers validate user input first.
    if !condition() { fatalError("TensorCore: \(message())") }
}
