from devices.agent import main

main()
