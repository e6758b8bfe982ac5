package server

import "testing"

func TestFixBooleans(t *testing.T) {
	in := `<button disabled="false" aria-checked type="button">A</button><section data-running data-runs="0" aria-pressed="false"><option selected="false">x</option><input checked><p>text about data-running here</p></section>`
	want := `<button aria-checked="true" type="button">A</button><section data-running="true" data-runs="0" aria-pressed="false"><option>x</option><input checked><p>text about data-running here</p></section>`
	if got := string(fixBooleans([]byte(in))); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
