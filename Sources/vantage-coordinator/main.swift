import ArgumentParser; import VantageCoordinator; print("x")
