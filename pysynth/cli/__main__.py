from pysynth.cli.root import main

main()
