import Casework
import Foundation
import NIOCore
import NIOPosix

// While serving, Swift Concurrency's tasks run on NIO's event loops rather than on a pool of their own: every async
// route handler and middleware then starts and finishes on the threads that read and write the connections,
// instead of waking another thread and back for each (the kernel's scheduling was a third of a request's time;
// bench/request-cost.sh). Before anything else starts a task, from the main thread, as NIO requires.
// Only for `serve`: the other commands gain nothing from it, and some of what they use blocks a thread until a
// future completes (Fluent's `reinitialize`, which `backup` needs), which must never happen on an event loop.
// CASEWORK_TASKS_ON_EVENT_LOOPS=0 keeps the separate pool. Tests run without it.
let command = CommandLine.arguments.dropFirst().first.flatMap { $0.hasPrefix("-") ? nil : $0 } ?? "serve"
switch ProcessInfo.processInfo.environment["CASEWORK_TASKS_ON_EVENT_LOOPS"] ?? "1" {
case "1", "":
    if command == "serve" { NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() }
case "0": break
case let other:
    FileHandle.standardError.write(Data("casework: CASEWORK_TASKS_ON_EVENT_LOOPS must be 1 (the default) or 0, not \"\(other)\"\n".utf8))
    exit(2)
}

await CaseworkMain.main()
