import Hummingbird; import GRDB; import Prometheus
