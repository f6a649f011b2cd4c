module example.com/httpd

go 1.19
