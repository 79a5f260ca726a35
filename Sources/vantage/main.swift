import ArgumentParser; import VantageAgent; import VantageCoordinator; print("x")
