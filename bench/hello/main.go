// Command hello is the Fiber "hello" server used as the ceiling in load
// benchmarks: the same framework and machine, no work per request.
package main

import (
	"flag"
	"log"

	"github.com/gofiber/fiber/v2"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18182", "listen address")
	flag.Parse()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/hello", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"hello": "world"}) })
	log.Fatal(app.Listen(*addr))
}
