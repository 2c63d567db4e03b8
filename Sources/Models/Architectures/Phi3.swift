extension ModelArchitecture {
    /// Phi-3 (Microsoft; mini 4k): the Llama block with q, k, v in one projection and gate, up in another (split
    /// by rows when loaded), and rotary pairs of halves. The 128k models' LongRoPE is not supported.
    static let phi3 = llamaFamily(
        name: "phi3", summary: "Phi-3 (4k): Llama with fused qkv and gate-up projections, rotary halves",
        ggufNames: ["phi3"], huggingFaceTypes: ["phi3"], pairing: .halves)
}
