extension ModelArchitecture {
    /// GPT-2 (Radford et al. 2019) from a Hugging Face folder, as `glassbox train` checkpoints are written: LayerNorm,
    /// learned positions, GELU, tied embeddings.
    static let gpt2 = ModelArchitecture(
        name: "gpt2", summary: "GPT-2 (and Glassbox's own trained GPTs): LayerNorm, learned positions, GELU",
        ggufNames: [], huggingFaceTypes: ["gpt2"], gguf: nil,
        huggingFace: { folder, _ in
            let model = try GPT.load(folder: folder, verifyManifest: false)  // the manifest is checked by the loader
            let c = model.config
            let counts = [("embedding", c.vocabSize * c.nEmbd + c.blockSize * c.nEmbd),
                          ("blocks", model.parameterCount - (c.vocabSize + c.blockSize) * c.nEmbd - 2 * c.nEmbd),
                          ("norms", 2 * c.nEmbd)]
            return Network(model: model,
                           hyperParameters: [("vocab_size", "\(c.vocabSize)"), ("n_positions", "\(c.blockSize)"),
                                             ("n_embd", "\(c.nEmbd)"), ("n_layer", "\(c.nLayer)"), ("n_head", "\(c.nHead)"),
                                             ("n_inner", "\(4 * c.nEmbd)"), ("layer_norm_epsilon", "\(c.layerNormEpsilon)"),
                                             ("activation", "gelu_new")],
                           parameterCounts: counts)
        })
}
