from pcrm.cli import main

main()
