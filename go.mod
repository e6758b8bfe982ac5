module heed

go 1.26

require (
	github.com/cogentcore/webgpu v0.23.0
	github.com/maxence-charriere/go-app/v10 v10.1.11
	github.com/sugarme/tokenizer v0.3.0
)

require (
	github.com/andybalholm/brotli v1.3.0 // indirect
	github.com/go-rod/rod v0.116.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/mitchellh/colorstring v0.0.0-20190213212951-d06e56a500db // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	github.com/schollz/progressbar/v2 v2.15.0 // indirect
	github.com/sugarme/regexpset v0.0.0-20200920021344-4d4ec8eaf93c // indirect
	github.com/ysmood/fetchup v0.2.3 // indirect
	github.com/ysmood/goob v0.4.0 // indirect
	github.com/ysmood/got v0.40.0 // indirect
	github.com/ysmood/gson v0.7.3 // indirect
	github.com/ysmood/leakless v0.9.0 // indirect
	golang.org/x/text v0.25.0 // indirect
)
