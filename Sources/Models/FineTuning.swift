import Foundation
import TensorCore

/// What fine-tuning asks of a model, each implemented in the model's own file: `glassbox finetune`, `--adapter` and the
/// studio go through these protocols, never through a concrete model type.
///
/// A model takes LoRA adapters (``LoRAAdaptable``: the weights stay frozen, as loaded), is trained whole
/// (``FullyTrainable``: a GPT trained here), or both.
package enum TuningMethod: String, Sendable, CaseIterable {
    /// Low-rank adapters on the projections; the base weights frozen.
    case lora
    /// Every weight of the model.
    case full
}

/// A language model that training can drive: the logits of a padded batch, with a graph.
package protocol TrainableLanguageModel: LanguageModel {
    /// Logits (rows.count, V) at `rows` of a batch of B sequences of `time` ids each, right-padded (B·T ids), computed
    /// with a graph for training; `dropout` is the generator for models that train with dropout (nil: none).
    func trainingLogits(_ ids: [Int32], time T: Int, rows: [Int32], dropout: UnsafeMutablePointer<RandomGenerator>?) -> Tensor
    /// The method `glassbox finetune` uses when none is given.
    var defaultTuningMethod: TuningMethod { get }
}

/// A model whose projections take LoRA adapters (Hugging Face PEFT layout).
package protocol LoRAAdaptable: TrainableLanguageModel {
    /// A fresh adapter: A as PEFT initialises it, B zero (the adapted model starts equal to this one).
    func newAdapter(rank: Int, alpha: Float, targets: [String], seed: UInt64) throws -> LoRAAdapter
    /// An adapter folder read for this model, every shape checked; trainable to continue training it.
    func loadAdapter(folder: URL, trainable: Bool) throws -> LoRAAdapter
    /// Writes `adapter` as a PEFT folder naming `baseModel`.
    func saveAdapter(_ adapter: LoRAAdapter, folder: URL, baseModel: String) throws
    /// This model with `adapter` on its projections (the base weights shared, not copied).
    func withAdapter(_ adapter: LoRAAdapter) -> any TrainableLanguageModel
}

/// A model trained whole: its parameters, saved as a model folder and read back.
package protocol FullyTrainable: TrainableLanguageModel {
    func namedParameters() -> [(String, Tensor)]
    /// Writes the weights (and their manifest) as a model folder.
    func save(folder: URL) throws
    /// The same kind of model read from a folder `save(folder:)` wrote (to resume training).
    func reloaded(from folder: URL) throws -> any FullyTrainable
}
