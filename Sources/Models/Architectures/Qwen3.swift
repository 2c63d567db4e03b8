extension ModelArchitecture {
    /// Qwen3 (dense): the Llama block with an RMSNorm over each query and key head before rotation, no q/k/v
    /// biases, a head size set apart from width / heads, and rotary pairs of halves.
    static let qwen3 = llamaFamily(
        name: "qwen3", summary: "Qwen3: Llama with per-head q/k RMSNorm, free head size, rotary halves",
        ggufNames: ["qwen3"], huggingFaceTypes: ["qwen3"], pairing: .halves)
}
