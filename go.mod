module heed

go 1.26

require (
	github.com/cogentcore/webgpu v0.23.0
	github.com/maxence-charriere/go-app/v10 v10.1.11
	github.com/sugarme/tokenizer v0.3.0
)
