import ArgumentParser

@main
struct Glassbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glassbox",
        abstract: "Train, run and see inside transformer language models.",
        version: "glassbox 0.6.0",
        subcommands: [Train.self, Finetune.self, Translate.self, Serve.self, ImportTensorBoard.self, Runs.self, Generate.self, Chat.self, Tokenize.self, Info.self, Inspect.self, Patch.self, Intervene.self, Diff.self, Bench.self]
    )
}
