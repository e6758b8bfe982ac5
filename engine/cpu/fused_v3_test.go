//go:build amd64.v3 || amd64.v4 || !amd64

package cpu

// fusedBuild: the compiler may fuse multiply-adds in this build (GOAMD64=v3
// and above, and other architectures), so math.Tanh may round differently
// from tanh64.
const fusedBuild = true
