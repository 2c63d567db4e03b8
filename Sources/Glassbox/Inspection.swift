import Foundation
import Interpretability
import Models

/// What ``Model/inspect(_:options:)`` computes. The defaults compute every analysis (the contribution graph up to
/// 128 tokens) and attribute the token the model predicts next.
public struct InspectOptions: Sendable, Equatable {
    /// Attribute this text's first token instead of the predicted one.
    public var target: String?
    /// Explain the target against this text's first token: the logit difference is attributed.
    public var contrast: String?
    /// Tokens listed per position and per lens layer.
    public var topK = 5
    /// Layers whose full attention patterns go into the document (default: the first and the last).
    public var attentionLayers: [Int]?
    /// The analyses to compute (default: all of them).
    public var analyses: Set<InspectPart>?
    /// Integration steps of the integrated-gradients attributions.
    public var attributionSteps = 64

    /// Options for the token `target` (against `contrast`) and the chosen analyses; the rest keep their defaults.
    public init(target: String? = nil, contrast: String? = nil, analyses: Set<InspectPart>? = nil) {
        self.target = target; self.contrast = contrast; self.analyses = analyses
    }
}

extension Model {
    /// Looks inside the model as it reads `text`: the next-token predictions at every position, the logit lens,
    /// attention patterns and head statistics, direct logit attribution, integrated-gradients attributions, the
    /// strongest MLP neurons and the contribution graph, as one document (the JSON `glassbox inspect --json`
    /// prints and the studio shows).
    ///
    /// - Throws: an error naming the option at fault (an empty text, a layer the model does not have, …).
    public func inspect(_ text: String, options: InspectOptions = InspectOptions()) throws -> InspectDocument {
        var r = InspectRequest(prompt: text)
        r.target = options.target
        r.contrast = options.contrast
        r.topK = options.topK
        r.attentionLayers = options.attentionLayers
        r.parts = options.analyses
        r.steps = options.attributionSteps
        return try serially { try InspectService.inspect(loaded, r) }
    }

    /// Activation patching: how much of the clean run's preference for `answer` over `wrong` each layer's residual
    /// stream and each attention head restores when patched into the corrupted run. The two prompts must have the
    /// same number of tokens.
    public func patch(clean: String, corrupted: String, answer: String, wrong: String) throws -> PatchDocument {
        try serially { try InspectService.patch(loaded, PatchRequest(clean: clean, corrupted: corrupted, answer: answer, wrong: wrong)) }
    }
}
