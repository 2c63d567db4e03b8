/// The one public error of Training: what went wrong, in words a user can act on.
package struct TrainingError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}
