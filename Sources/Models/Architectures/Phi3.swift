extension ModelArchitecture {
    /// Phi-3 (Microsoft; mini 4k): the Llama block with q, k, v in one projection and gate, up in another (split
    /// by rows when loaded), and rotary pairs of halves. The 128k models and Phi-3.5 (LongRoPE) run at their
    /// original context with the short rope factors and the attention factor (`LlamaConfig.ropeAttentionFactor`).
    static let phi3 = llamaFamily(
        name: "phi3", summary: "Phi-3, Phi-3.5: Llama with fused qkv and gate-up projections, rotary halves, LongRoPE",
        ggufNames: ["phi3"], huggingFaceTypes: ["phi3"], pairing: .halves)
}
