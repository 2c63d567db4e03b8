extension ModelArchitecture {
    /// Qwen2 and Qwen2.5 (Alibaba): the Llama block with biases on the query, key and value projections, and rotary
    /// pairs of halves (llama.cpp's NEOX rope type: its converter leaves q/k unpermuted).
    static let qwen2 = llamaFamily(
        name: "qwen2", summary: "Qwen2, Qwen2.5: Llama with q/k/v biases, rotary halves",
        ggufNames: ["qwen2"], huggingFaceTypes: ["qwen2"], pairing: .halves)
}
