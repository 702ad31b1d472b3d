from inctrack.cli import main

main()
