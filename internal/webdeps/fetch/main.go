// Command fetch puts the page's pinned third-party browser files into the web
// directory: `go run ./internal/webdeps/fetch -dir web`.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"heed/internal/webdeps"
)

func main() {
	dir := flag.String("dir", "web", "directory to write the files into")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pkg := webdeps.ECharts
	tgz, err := webdeps.Download(ctx, http.DefaultClient, pkg)
	if err == nil {
		err = webdeps.Install(pkg, tgz, *dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fetch:", err)
		os.Exit(1)
	}
	fmt.Printf("%s@%s: %d files in %s\n", pkg.Name, pkg.Version, len(pkg.Files), *dir)
}
