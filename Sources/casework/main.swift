import Casework

try await CaseworkMain.run()
