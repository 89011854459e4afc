from kafkaform.cli import main

main()
