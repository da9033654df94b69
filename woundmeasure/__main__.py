from woundmeasure.cli.main import main

main()
