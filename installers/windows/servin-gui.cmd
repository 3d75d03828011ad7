@echo off
rem servin GUI launcher, installed by the servin setup program.
rem Runs the servin GUI (servin-gui.pyz, a Python zip application) with
rem Python 3, passing it the remote API settings of servin-remote.ini:
rem each key that has a value becomes the GUI option of the same name.
setlocal EnableDelayedExpansion
set "CONF=%~dp0servin-remote.ini"
if not exist "%~dp0servin-gui.pyz" (
	echo The servin GUI is not part of this installation.
	echo It holds the remote API client configuration: %CONF%
	pause
	exit /b 1
)
set "ARGS="
for /f "usebackq eol=; tokens=1,* delims==" %%a in ("%CONF%") do (
	if not "%%b"=="" (
		if /i "%%a"=="api" set ARGS=!ARGS! --api "%%b"
		if /i "%%a"=="tls_ca" set ARGS=!ARGS! --tls-ca "%%b"
		if /i "%%a"=="tls_cert" set ARGS=!ARGS! --tls-cert "%%b"
		if /i "%%a"=="tls_key" set ARGS=!ARGS! --tls-key "%%b"
		if /i "%%a"=="api_token_file" set ARGS=!ARGS! --api-token-file "%%b"
	)
)
where pyw >nul 2>nul
if not errorlevel 1 (
	start "" pyw -3 "%~dp0servin-gui.pyz" !ARGS! %*
	exit /b 0
)
where pythonw >nul 2>nul
if not errorlevel 1 (
	start "" pythonw "%~dp0servin-gui.pyz" !ARGS! %*
	exit /b 0
)
echo The servin GUI needs Python 3 (python.org or the Microsoft Store) with Flask and pywebview.
pause
exit /b 1
