import ArgumentParser
import Foundation
import Interpretability
import RunStore

struct ImportTensorBoard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-tensorboard",
        abstract: "Import TensorBoard event files (scalars, histograms, text) into the run store and the studio.",
        discussion: """
        Every folder under DIR holding event files (events.out.tfevents.*, as PyTorch's SummaryWriter, TensorBoard \
        and Glassbox write them) becomes one run, named after its path under DIR ('/' becomes '_'). A folder whose \
        name is already a run is skipped. Corrupt or truncated files are read up to the damage, with a warning \
        naming the file and byte offset.
        """
    )

    @Argument(help: "A TensorBoard log directory.") var directory: String
    @Option(help: "Where runs are stored.") var runsDir: String = "runs"
    @Option(help: "A shared run store, postgres://USER@HOST/DATABASE (?sslmode=require for TLS; the password from the URL or PGPASSWORD). Default: $GLASSBOX_STORE, else the runs directory.") var store: String?
    @Flag(help: "Machine-readable output.") var json = false

    func run() throws {
        guard !runsDir.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--runs-dir is empty: give a folder for the runs") }
        let db = try RunStores.open(url: RunStores.url(option: store), runsDirectory: URL(fileURLWithPath: runsDir))
        let start = Date()
        let imported = try TensorBoardImport.importDirectory(URL(fileURLWithPath: directory), into: db) { Terminal.err("warning: \($0)") }
        let seconds = Date().timeIntervalSince(start)
        if json {
            struct Run: Encodable { var id: String, name: String, folder: String, scalars: Int, histograms: Int, texts: Int, files: Int }
            struct Imported: Encodable { var runs: [Run]; var seconds: Double }
            print(try DocumentCoding.line(Imported(runs: imported.map {
                Run(id: $0.id, name: $0.name, folder: $0.folder, scalars: $0.scalars, histograms: $0.histograms, texts: $0.texts, files: $0.files)
            }, seconds: seconds)))
            return
        }
        if imported.isEmpty { print("no event files imported from \(directory)"); return }
        for r in imported {
            print("\(Terminal.bold(r.name)) (\(r.id)): \(r.scalars) scalars, \(r.histograms) histograms, \(r.texts) texts from \(r.files) file\(r.files == 1 ? "" : "s")")
        }
        print(Terminal.dim(String(format: "%d run%@ in %.2f s · see them: glassbox serve %@", imported.count, imported.count == 1 ? "" : "s", seconds,
                                       RunStores.url(option: store) == nil ? "--runs-dir \(runsDir)" : "--store \(db.location)")))
    }
}
