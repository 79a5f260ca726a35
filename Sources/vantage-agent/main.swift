import ArgumentParser; import VantageAgent; print("x")
