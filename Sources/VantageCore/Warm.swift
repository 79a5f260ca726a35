import VantageTUF
