// Package gallery holds the page's ready examples for booths and talks:
// story openings on the default model (stories260K) where GUIDE visibly
// changes the continuation. Each is a row of a `heed eval mention` run
// (docs/eval-mention.md; temperature 0.8, 40 tokens, 10 seeded samples per
// opening) in which, from the same seed, the continuation names the
// highlighted noun again with Δ 2 on it and does not without: the noun is
// tagged <!!!-> (2 × Δmid, Δmid 1), and Seed is that sample's seed
// (eval.SampleSeed), so loading an example reproduces the run.
//
// The rows came from
//
//	heed eval mention --backend cpu --threads 2 --temperature 0.8 --samples 10 --deltas 0,1,2,3 --out eval-mention
//
// and TestExamplesSteer checks on every test run that each still steers.
package gallery

// Example is one ready example.
type Example struct {
	ID          string // the mention task's example, "mention/NN"
	Sample      int    // the eval sample it reproduces
	Title       string
	Noun        string // the highlighted word
	Prompt      string // with its GUIDE tags
	DeltaMid    float32
	Temperature float32
	MaxTokens   int
	Seed        uint64
}

// The settings every example shares: the mention task's.
const (
	DeltaMid    = 1
	Temperature = 0.8
	MaxTokens   = 40
)

// Examples are the gallery, in the order presentation mode steps through.
var Examples = withDefaults([]Example{
	{ID: "mention/24", Sample: 3, Title: "Ben’s rock", Noun: "rock", Seed: 15409152538524359852,
		Prompt: "Once upon a time, there was a little boy named Ben. Ben found a big <!!!->rock<-!!!> near the river. It was round and smooth. Ben"},
	{ID: "mention/22", Sample: 3, Title: "The farmer’s cow", Noun: "cow", Seed: 16711055669846823366,
		Prompt: "Once upon a time, there was a farmer who had a brown <!!!->cow<-!!!>. Every morning, the farmer went to the barn and"},
	{ID: "mention/06", Sample: 2, Title: "A cake for mom", Noun: "cake", Seed: 4544973876431532519,
		Prompt: "Ben and Mia were best friends. They liked to bake together. One day, they made a big <!!!->cake<-!!!> for their mom. Mia said,"},
	{ID: "mention/02", Sample: 0, Title: "Tom’s red boat", Noun: "boat", Seed: 6896167342544937697,
		Prompt: "Tom was a small boy who lived near the sea. He had a red <!!!->boat<-!!!> that his dad made for him. Every morning, Tom"},
	{ID: "mention/15", Sample: 5, Title: "Hot soup", Noun: "soup", Seed: 14130505214367643274,
		Prompt: "Sam liked to help his dad in the kitchen. Today, they made hot <!!!->soup<-!!!> for lunch. Sam stirred the pot and"},
	{ID: "mention/29", Sample: 4, Title: "The white horse", Noun: "horse", Seed: 12288369102577591706,
		Prompt: "Tom and his sister went to the farm. They saw a big white <!!!->horse<-!!!> near the fence. Tom wanted to"},
	{ID: "mention/03", Sample: 8, Title: "The tall tree", Noun: "tree", Seed: 6371441910800607462,
		Prompt: "Once upon a time, there was a kind old man. He had a big garden with a tall <!!!->tree<-!!!> in the middle. One day, a little bird"},
	{ID: "mention/14", Sample: 4, Title: "The golden crown", Noun: "crown", Seed: 13605930415716377946,
		Prompt: "Once upon a time, there was a princess who lived in a castle. She had a golden <!!!->crown<-!!!> that sparkled in the sun. One day,"},
})

func withDefaults(xs []Example) []Example {
	for i := range xs {
		xs[i].DeltaMid, xs[i].Temperature, xs[i].MaxTokens = DeltaMid, Temperature, MaxTokens
	}
	return xs
}
