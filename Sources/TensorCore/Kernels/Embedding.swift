/// Embedding lookup: rows of a table gathered by id; backward scatters (adds) into those rows.
extension Tensor {
    /// table [V, C] gathered at `ids` -> [ids.count, C], reshaped to `shape + [C]` when a shape is given.
    package func embedding(_ ids: TokenIDs, shape idShape: [Int]? = nil) -> Tensor {
        let table = contiguous()
        shapeCheck(rank == 2, "embedding table must be [V, C], got \(self.shape)")
        let V = self.shape[0], C = self.shape[1]
        for id in ids { shapeCheck(id >= 0 && Int(id) < V, "embedding: id \(id) outside table of \(V) rows") }
        let out = Tensor(uninitialized: (idShape ?? [ids.count]) + [C])
        shapeCheck(out.count == ids.count * C, "embedding: id shape \(idShape ?? []) for \(ids.count) ids")
        let tp = table.data, op = out.data
        for (i, id) in ids.enumerated() { (op + i * C).update(from: tp + Int(id) * C, count: C) }
        out.record([table]) { g in
            table.accumulateGrad { dt in
                let gp = g.data
                for (i, id) in ids.enumerated() { addInPlace(dt + Int(id) * C, gp + i * C, C) }
            }
        }
        return out
    }
}

/// Inverted dropout with a seeded generator: zero each element with probability p, scale the rest by 1/(1-p).
extension Tensor {
    package func dropout(_ p: Float, rng: inout RandomGenerator) -> Tensor {
        if p <= 0 { return self }
        let x = contiguous()
        let n = count
        let mask = Tensor(uninitialized: shape)
        let keep = 1 / (1 - p)
        let mp = mask.data
        for i in 0..<n { mp[i] = rng.nextFloat() < p ? 0 : keep }
        let y = Tensor(uninitialized: shape)
        let xp = x.data, yp = y.data
        for i in 0..<n { yp[i] = xp[i] * mp[i] }
        y.record([x]) { g in
            // Hold the mask tensor itself: its buffer must not go back to the pool before backward.
            let mp = mask.data
            x.accumulateGrad { dx in let gp = g.data; for i in 0..<n { dx[i] += gp[i] * mp[i] } }
        }
        return y
    }
}
