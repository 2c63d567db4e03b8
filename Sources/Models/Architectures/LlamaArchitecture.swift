extension ModelArchitecture {
    /// Llama 1–3 and Mistral (Touvron et al. 2023): GGUF `llama` (llama.cpp writes Mistral-7B as `llama` too), with
    /// Llama 3.1/3.2's rope scaling where the file has `rope_freqs.weight`.
    static let llama = llamaFamily(
        name: "llama", summary: "Llama 2/3, SmolLM2, Mistral: RMSNorm, RoPE (Llama 3 scaling), SwiGLU, grouped-query attention",
        ggufNames: ["llama"], huggingFaceTypes: ["llama", "mistral"], pairing: .adjacent)
}
