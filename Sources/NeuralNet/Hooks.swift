import TensorCore

/// Which positions get logits.
package enum LogitPositions: Equatable, Sendable {
    case all, last
    /// Only the logit of one token at the last position of each sequence: (B, 1). Attributions need just
    /// this, and it spares multiplying by (and back through) the whole output matrix.
    case lastToken(Int32)
    /// logit(a) − logit(b) at the last position of each sequence: (B, 1). The quantity of a contrastive
    /// explanation ("why a rather than b"): one read-out row, the difference of the two unembedding rows.
    case lastTokenContrast(Int32, Int32)
    /// Logits of these rows of the (B·T) positions only: (rows.count, V). Training on some positions (a
    /// fine-tuned model's response tokens) spares the output product, and its backward, for all the others.
    case rows([Int32])
}

/// Hook points of a forward pass (TransformerLens names): read an activation into a cache, or replace it.
///
/// The model's one forward calls `hooks?.apply(name, x)` at every hook point; with no hooks nothing is named
/// or stored, so plain runs pay nothing. Names and shapes (T positions, D width, H heads, d head width, F MLP width):
///
/// | name | shape |
/// |---|---|
/// | `hook_embed` | (T, D) token embeddings |
/// | `blocks.{L}.hook_resid_pre` | (T, D) residual stream entering block L |
/// | `blocks.{L}.ln1.hook_normalized` | (T, D) RMSNorm/LayerNorm output before attention |
/// | `blocks.{L}.attn.hook_q`, `hook_k`, `hook_v` | (T, H·d), (T, Hkv·d), (T, Hkv·d) projections, q and k before RoPE |
/// | `blocks.{L}.attn.hook_attn_scores` | (H, T, T) scaled scores q·k/√d, −inf above the diagonal |
/// | `blocks.{L}.attn.hook_pattern` | (H, T, T) attention probabilities [head, query, key] |
/// | `blocks.{L}.attn.hook_z` | (T, H·d) attention output per head, before the output projection |
/// | `blocks.{L}.hook_attn_out` | (T, D) attention block output |
/// | `blocks.{L}.hook_resid_mid` | (T, D) residual stream after attention |
/// | `blocks.{L}.ln2.hook_normalized` | (T, D) norm output before the MLP |
/// | `blocks.{L}.mlp.hook_pre` | (T, F) gate pre-activation (Llama: W_gate·x; GPT-2: W_in·x) |
/// | `blocks.{L}.mlp.hook_pre_linear` | (T, F) Llama only: W_up·x |
/// | `blocks.{L}.mlp.hook_post` | (T, F) MLP hidden activation (Llama: silu(gate)·up) |
/// | `blocks.{L}.hook_mlp_out` | (T, D) MLP block output |
/// | `blocks.{L}.hook_resid_post` | (T, D) residual stream leaving block L |
/// | `ln_final.hook_normalized` | (T, D) final norm output |
/// | `logits` | (T, V) |
///
/// With a batch (integrated gradients), T counts the positions of all sequences (B·T rows).
package final class Hooks {
    /// Which activations to keep (by name); nil keeps none.
    package var cacheFilter: ((String) -> Bool)?
    /// The kept activations (detached copies of the values; no graph is kept alive).
    package private(set) var cache: [String: Tensor] = [:]
    /// Replacements by name: receive the activation, return the one the forward continues with (same shape).
    package var replacements: [String: (Tensor) -> Tensor] = [:]

    package init(cache filter: ((String) -> Bool)? = nil, replacements: [String: (Tensor) -> Tensor] = [:]) {
        self.cacheFilter = filter
        self.replacements = replacements
    }

    /// Whether anything wants this activation (so that expensive extras, like raw attention scores, are only
    /// computed on demand).
    package func wants(_ name: String) -> Bool { cacheFilter?(name) == true || replacements[name] != nil }

    package func apply(_ name: String, _ x: Tensor) -> Tensor {
        var y = x
        if let r = replacements[name] {
            y = r(x)
            precondition(y.shape == x.shape, "hook \(name) replaced \(x.shape) with \(y.shape)")
        }
        if cacheFilter?(name) == true { cache[name] = y.detach() }
        return y
    }

    package func clearCache() { cache = [:] }

    /// `apply` on an activation of any rank, seen as rows (n, width): hooks always see (positions, width), also
    /// where the model computes in (B, T, width).
    package func applyRows(_ name: String, _ x: Tensor) -> Tensor {
        guard wants(name) else { return x }
        if x.rank == 2 { return apply(name, x) }
        return apply(name, x.reshaped([-1, x.shape[x.rank - 1]])).reshaped(x.shape)
    }
}
