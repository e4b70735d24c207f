import Casework

await CaseworkMain.main()
