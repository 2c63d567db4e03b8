/// The one public error of ModelFormats: names the file, the tensor when there is one, and the problem.
public struct FormatError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let tensor: String?
    public let problem: String

    public init(file: String, tensor: String? = nil, _ problem: String) {
        self.file = file
        self.tensor = tensor
        self.problem = problem
    }

    public var description: String {
        if let tensor { return "\(file): tensor '\(tensor)': \(problem)" }
        return "\(file): \(problem)"
    }
}
