import Casework
import NIOCore
import NIOPosix

// Swift Concurrency's tasks run on NIO's event loops rather than on a pool of their own: every async route handler
// and middleware then starts and finishes on the threads that read and write the connections, instead of waking
// another thread and back for each (the kernel's scheduling was a third of a request's time; bench/request-cost.sh).
// Before anything else starts a task, from the main thread, as NIO requires. Tests run without it.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

await CaseworkMain.main()
