//go:build amd64 && !amd64.v3 && !amd64.v4

package cpu

// fusedBuild: GOAMD64=v1 or v2, where the compiler never fuses multiply-adds.
const fusedBuild = false
