import Interpretability

// The typed documents the analyses return, under the library's name. They are Codable: their JSON is what
// `glassbox inspect --json` prints and the studio reads (docs/inspect-json.md).

/// Everything ``Model/inspect(_:options:)`` computed about one text.
public typealias InspectDocument = Interpretability.InspectDocument
/// The result of ``Model/patch(clean:corrupted:answer:wrong:)``: restored fractions per layer and position, and per head.
public typealias PatchDocument = Interpretability.PatchDocument
/// How information flows between tokens and through heads, layer by layer (part of an ``InspectDocument``).
public typealias ContributionGraph = Interpretability.ContributionGraph
/// An analysis ``Model/inspect(_:options:)`` can compute.
public typealias InspectPart = Interpretability.InspectPart
/// A token and its probability, in a document.
public typealias RankedToken = Interpretability.RankedToken
/// What a document says of the model (architecture, layers, heads, widths).
public typealias ModelSummary = Interpretability.ModelSummary
/// One token of the inspected text.
public typealias TokenInfo = Interpretability.TokenInfo
/// An MLP neuron's index and activation, in a document.
public typealias NeuronValue = Interpretability.NeuronValue
