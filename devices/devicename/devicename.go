package devicename

import (
	"github.com/mileusna/useragent"

	"github.com/portalmfa/portalmfa/devices"
)

// Name returns a readable name for the browser of userAgent, such as
// "Firefox on Windows", or "" when the User-Agent tells nothing useful. The
// result is clean as [devices.CleanName] makes it, whatever the header
// held, so it is fit to store and show.
func Name(userAgent string) string {
	ua := useragent.Parse(userAgent)
	switch {
	case ua.Name != "" && ua.OS != "":
		return devices.CleanName(ua.Name + " on " + ua.OS)
	case ua.Name != "":
		return devices.CleanName(ua.Name)
	}
	return devices.CleanName(ua.OS)
}
