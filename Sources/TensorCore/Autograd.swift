#if canImport(Glibc)
import Glibc
#endif

/// Whether operations record the graph for `backward()`.
///
/// Inference mode (`GradMode.withoutGradients { ... }`) records nothing, so it costs nothing: no nodes, no saved
/// tensors. The mode is per thread, so a server thread running inference never switches off a training thread's
/// recording (and parallel tests stay independent).
package enum GradMode {
    /// Thread-local depth of nested `withoutGradients` calls, stored in the key's pointer value.
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    private static var disabledDepth: Int {
        get { Int(bitPattern: pthread_getspecific(key)) }
        set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: newValue)) }
    }

    package static var isEnabled: Bool { disabledDepth == 0 }

    /// Runs `body` with recording off on this thread, restoring the previous mode afterwards.
    package static func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
        disabledDepth += 1
        defer { disabledDepth -= 1 }
        return try body()
    }
}

/// A recorded operation: the inputs it read and how to push the output's gradient back to them.
final class Node {
    let inputs: [Tensor]
    /// Receives d(loss)/d(output) (contiguous) and accumulates (+=) into the inputs' gradients.
    let backward: (Tensor) -> Void
    init(inputs: [Tensor], backward: @escaping (Tensor) -> Void) {
        self.inputs = inputs
        self.backward = backward
    }
}

extension Tensor {
    /// Creates `out`'s graph node when gradients are on and any input needs one.
    @inline(__always)
    func record(_ inputs: [Tensor], _ backward: @escaping (Tensor) -> Void) {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return }
        requiresGrad = true
        node = Node(inputs: inputs, backward: backward)
    }

    /// Adds into this tensor's gradient buffer (created as zeros on first use): `body(g)` must do `g[i] += ...`.
    @inline(__always)
    func accumulateGrad(_ body: (UnsafeMutablePointer<Float>) -> Void) {
        guard requiresGrad else { return }
        let g = grad ?? Tensor.zeros(shape)
        grad = g
        body(g.data)
    }

    /// Gives the gradient buffer to `body` with `fresh` = true when it has just been created: then its contents are
    /// unspecified and `body` must write every element (e.g. a GEMM with beta = 0), which spares zero-filling a
    /// buffer only to add into it. With `fresh` = false, `body` must add (+=).
    @inline(__always)
    func writeOrAccumulateGrad(_ body: (UnsafeMutablePointer<Float>, _ fresh: Bool) -> Void) {
        guard requiresGrad else { return }
        if let g = grad { body(g.data, false); return }
        let g = Tensor(uninitialized: shape)
        grad = g
        body(g.data, true)
    }

    /// Reverse-mode autodiff from this scalar: fills `.grad` of every tensor that requires it.
    ///
    /// Walks the graph in reverse topological order; intermediate gradients and the graph itself are released
    /// as soon as they are used, so the buffers go back to the pool for the next step.
    package func backward(seed: Float = 1) {
        precondition(count == 1, "backward() needs a scalar; got shape \(shape)")
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative DFS (deep graphs would overflow a recursive one).
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            let id = ObjectIdentifier(t)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((t, true))
            if let node = t.node {
                for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }
        accumulateGrad { $0[0] += seed }
        for t in order.reversed() {
            guard let node = t.node else { continue }
            if let g = t.grad { node.backward(g) }
            t.node = nil
            t.grad = nil  // intermediate: its gradient has been pushed to its inputs
        }
    }

    /// Sets the gradient to nil.
    package func zeroGrad() { grad = nil }
}
