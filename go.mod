module github.com/ftbench/ftbench

go 1.26

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/NVIDIA/go-nvml v0.13.4-1
	github.com/asticode/go-astiav v0.16.0
	github.com/esimov/pigo v1.4.6
	github.com/go-echarts/go-echarts/v2 v2.6.7
	github.com/montanaflynn/stats v0.14.0
	golang.org/x/net v0.47.0
	gorgonia.org/cu v0.9.6
)

require (
	github.com/asticode/go-astikit v0.42.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/pkg/errors v0.9.1 // indirect
)
