from iacguard.cli import main

main()
