import GRDB; import Configuration; import ServiceLifecycle; import Metrics
