from telemetry.worker.runner import main

main()
