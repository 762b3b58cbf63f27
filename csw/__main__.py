from csw.cli import main

main()
